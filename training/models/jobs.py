"""Background jobs a person asked for and waits on, such as a large ledger export."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class ExportJob(db.Model):
    """One export written in the background: who asked, what for, how far it got, and the
    file it wrote under EXPORT_DIR (a random name). Purged with its file after EXPORT_KEEP_HOURS."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only this person may see the job and download its file.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "ledger"
    # What to export (for the ledger: start, end, centre_id, language, time zone).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # "queued", "running", "done" or "failed".
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str | None] = mapped_column(String(80))
    download_name: Mapped[str] = mapped_column(String(120), default="")
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
