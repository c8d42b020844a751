"""Evidence uploaded by applicants (business licences and the like), stored in PostgreSQL."""

from service.documents.controller import DocumentsController

__all__ = ["DocumentsController"]
