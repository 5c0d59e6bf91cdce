"""The WSGI entry point for production: `gunicorn 'desk.wsgi:app'`.

Refuses to start on a database that is not at the newest migration.
"""

from desk import create_app
from desk.extensions import db
from desk.schema import require_current_schema

app = create_app()
with app.app_context():
    require_current_schema(db.engine)
