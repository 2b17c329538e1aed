from __future__ import annotations

import pytest

from officer_console.documents.democa import DemoPki, create_demo_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return create_demo_pki(tmp_path_factory.mktemp("pki"))
