"""GET /healthz: for load balancers and monitoring; no login, no personal data."""

import time
from datetime import datetime

from flask import Blueprint, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from desk.channels import channel_health
from desk.extensions import db
from desk.models import WorkerHeartbeat, utcnow
from desk.schema import schema_status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        status = schema_status(db.engine)
        last_beat = db.session.scalar(select(func.max(WorkerHeartbeat.last_seen_at)))
        channels = channel_health(db.session)
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="error", database="unreachable",
                       error=type(exc).__name__), 503
    age = (utcnow() - last_beat).total_seconds() if last_beat else None
    body = {
        "status": "ok" if status.at_head else "degraded",
        "database": "ok",
        "database_ms": round((time.perf_counter() - started) * 1000, 1),
        "schema": {"current": status.current, "head": status.head, "at_head": status.at_head},
        "worker_heartbeat_age_seconds": round(age, 1) if age is not None else None,
        # No error texts: they may name addresses, and this page needs no login.
        "channels": {
            h.channel.name: {
                "status": h.status.value,
                "last_success_at": _iso(h.channel.last_success_at),
                "last_error_at": _iso(h.channel.last_error_at),
                "outbox_waiting": h.outbox_waiting,
            }
            for h in channels
        },
    }
    return jsonify(body), 200


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
