"""The authoring studio's change log: who changed what in a course, and when."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .courses import Course
from .users import User


class CourseChange(db.Model):
    __table_args__ = (Index("ix_course_change_course_created", "course_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A short dotted name: "lesson.edit", "question.delete", "course.publish", ...
    action: Mapped[str] = mapped_column(String(40))
    # What was changed, in the words of the course: the lesson or question title.
    subject: Mapped[str] = mapped_column(String(300), default="")

    course: Mapped[Course] = relationship()
    user: Mapped[User | None] = relationship()
