"""The web chat in the web app: the citizen's page, widget and JSON API (`citizen`),
and the agent's availability, waiting chats and live conversation (`agent`)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by the web chat's driver; registers both blueprints once."""
    if "chat" in app.blueprints:
        return
    from desk.auth import PUBLIC_ENDPOINTS
    from desk.web.chat.agent import bp as agent_bp
    from desk.web.chat.agent import init_templates
    from desk.web.chat.citizen import bp as citizen_bp

    app.register_blueprint(citizen_bp)
    app.register_blueprint(agent_bp)
    init_templates(app)
    # The citizen never signs in: the page, the widget and the API (its token) are public.
    PUBLIC_ENDPOINTS.update(rule.endpoint for rule in app.url_map.iter_rules()
                            if rule.endpoint.startswith("chat."))
