"""ASGI entry point for production servers (granian, uvicorn): `service.asgi:app`."""

from service.app import create_app

app = create_app()
