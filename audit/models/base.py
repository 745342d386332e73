"""Column helpers shared by every model."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now; used as a callable default, never evaluated at import."""
    return datetime.now(UTC)
