"""Course folders (``courses/<slug>/``): sync them into the database and write them back.

A folder holds ``course.md`` (YAML front matter + description), ``NN-<slug>.md`` modules and
``.gift`` question files; a quiz defined under ``quizzes:`` in course.md draws its questions
from ``<quiz short name>.gift``. Syncing is idempotent: an unchanged folder writes nothing; a
changed module becomes a new revision by the sync; a folder with any error changes nothing of
its course. Exporting a
synced course gives files that sync back to the same course (a fixed point).
"""

from lms.courses.folders.model import SYNC_AUTHOR, FolderRefused, ParsedCourse, SyncReport
from lms.courses.folders.reader import parse_folder
from lms.courses.folders.sync import FolderSyncResult, course_folders, sync_course, sync_folders
from lms.courses.folders.writer import export_course

__all__ = [
    "SYNC_AUTHOR",
    "FolderRefused",
    "FolderSyncResult",
    "ParsedCourse",
    "SyncReport",
    "course_folders",
    "export_course",
    "parse_folder",
    "sync_course",
    "sync_folders",
]
