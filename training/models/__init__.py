"""All models, importable from one place."""
from .audit import AuditEvent
from .authoring import CourseChange
from .base import utcnow
from .certificates import Certificate
from .classes import (
    Attendance,
    ClassMember,
    ClassroomAnswer,
    ClassroomQuiz,
    SessionPhoto,
    TrainingClass,
    TrainingSession,
    class_course,
)
from .courses import (
    COURSE_LANGUAGES,
    Choice,
    Course,
    CourseMedia,
    CourseStatus,
    Lesson,
    Level,
    Question,
    QuestionKind,
    Quiz,
    Recording,
)
from .jobs import ExportJob
from .progress import Attempt, AttemptAnswer, Enrollment, LessonCompletion, QuizResult
from .reports import DailyStat, StatsRefresh
from .users import Centre, EndedSession, PasswordReset, PendingSignup, Role, User

__all__ = [
    "ExportJob",
    "Attendance",
    "ClassMember",
    "ClassroomAnswer",
    "ClassroomQuiz",
    "SessionPhoto",
    "TrainingClass",
    "TrainingSession",
    "class_course",
    "COURSE_LANGUAGES",
    "Attempt",
    "AuditEvent",
    "AttemptAnswer",
    "Centre",
    "Certificate",
    "Choice",
    "Course",
    "CourseChange",
    "CourseMedia",
    "CourseStatus",
    "DailyStat",
    "EndedSession",
    "Enrollment",
    "Lesson",
    "LessonCompletion",
    "Level",
    "PasswordReset",
    "PendingSignup",
    "Question",
    "QuestionKind",
    "Quiz",
    "QuizResult",
    "Recording",
    "Role",
    "StatsRefresh",
    "User",
    "utcnow",
]
