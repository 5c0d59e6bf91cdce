"""The web chat's services: sessions, the citizen's stream, agents' availability,
delivery of answers, and the end of idle chats. Views call these; they commit."""
