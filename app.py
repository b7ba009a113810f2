"""gunicorn entry point: `gunicorn app:server` (or `cockpit serve`)."""
from dashboard.app import create_app

server = create_app().server
