"""Server-rendered pages in Chinese over the JSON API (apply, status, review, dispatch).

The pages carry no data and no rules: their scripts call /api/v1 with the user's token.
Add `*WEB_HANDLERS` to the app's route handlers.
"""

from service.web.controller import WebController
from service.web.static import static_files

WEB_HANDLERS: list[object] = [WebController, static_files]

__all__ = ["WEB_HANDLERS", "WebController", "static_files"]
