"""Which category a file belongs to, by its extension."""

from pathlib import PurePath

CATEGORIES: dict[str, frozenset[str]] = {
    "images": frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".svg", ".webp"}),
    "documents": frozenset(
        {".pdf", ".doc", ".docx", ".txt", ".md", ".odt", ".xlsx", ".csv"}
    ),
    "code": frozenset(
        {".py", ".js", ".ts", ".java", ".c", ".cpp", ".go", ".rs", ".ipynb"}
    ),
    "archives": frozenset({".zip", ".tar", ".gz", ".bz2", ".xz", ".7z", ".rar"}),
    "audio": frozenset({".mp3", ".wav", ".flac", ".ogg", ".m4a"}),
    "video": frozenset({".mp4", ".mkv", ".avi", ".mov", ".webm"}),
}
OTHER = "other"


def category_of(name: str) -> str:
    """The category of a file name; extensions are case-insensitive."""
    suffix = PurePath(name).suffix.lower()
    for category, suffixes in CATEGORIES.items():
        if suffix in suffixes:
            return category
    return OTHER
