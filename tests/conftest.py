from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
