"""Personal data: where it lives (registry), a person's export and erasure, retention.

Plain functions on a session, no Flask: the CLI (app/admin/privacy_cli.py) and the admin pages call them.
"""

from app.services.privacy.erase import Erased, erase
from app.services.privacy.export import Export, export

__all__ = ["Erased", "Export", "erase", "export"]
