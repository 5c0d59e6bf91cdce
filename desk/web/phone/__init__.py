"""Phone and walk-in registration (telefonnotat) for the front desk."""

from desk.web.phone.routes import bp

__all__ = ["bp"]
