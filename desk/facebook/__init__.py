"""The Facebook channel on the desk's side: its settings, the webhook that takes in
Messenger messages and Page comments, the 24-hour rule, and the actions on a public
comment (a generic public answer, a move to a private message, hiding it)."""
