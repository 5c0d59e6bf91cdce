"""Standard replies filled in for one inquiry: the inquiry's language picks the version."""

from desk.config import current_config
from desk.models import Inquiry, StandardReply, User

# Placeholder -> what it stands for; the admin page lists these for writers.
PLACEHOLDERS = ("{citizen_name}", "{reference}", "{agent_name}", "{unit}")


def fill(reply: StandardReply, inquiry: Inquiry, agent: User) -> str:
    """The reply's text in the inquiry's language with its placeholders filled in.

    Plain replacement, not str.format: a stray brace in a reply must not break it.
    """
    values = {
        "{citizen_name}": inquiry.contact.display_name if inquiry.contact else "",
        "{reference}": inquiry.reference,
        "{agent_name}": agent.display_name,
        "{unit}": inquiry.unit.name if inquiry.unit else current_config().organisation_name,
    }
    text = reply.body(inquiry.language)
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text
