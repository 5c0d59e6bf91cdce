"""Standard replies (standardsvar): canned answers in bokmål, nynorsk and English."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.models.base import Base, utcnow
from desk.models.inquiry import Category

# The written forms a standard reply exists in; bokmål is the fallback.
REPLY_LANGUAGES = ("nb", "nn", "en")


class StandardReply(Base):
    """One canned answer; its bodies may use the placeholders of desk.standard_replies.

    A body left empty in one language falls back to bokmål when inserted.
    """

    __tablename__ = "standard_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_nb: Mapped[str] = mapped_column(Text, default="")
    body_nn: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # May be posted in public (under a comment on the Page): short, generic, no case details.
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()

    def body(self, language: str) -> str:
        """The body in `language` (nb, nn, en), else the bokmål one."""
        if language in REPLY_LANGUAGES:
            text: str = getattr(self, f"body_{language}")
            if text.strip():
                return text
        return self.body_nb
