"""Bring a database to the newest schema through the named Alembic migrations."""
from pathlib import Path

from alembic import command
from alembic.config import Config

from engine.db import make_sql_engine
from engine.role_catalogue import ROLES_FILE, role_catalogue, sync_roles

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def upgrade(url: str, revision: str = "head", roles_file: Path = ROLES_FILE) -> None:
    """Migrate to `revision`, then (at the head) bring the role table to the catalogue (data/roles.json)."""
    catalogue = role_catalogue(roles_file)  # a wrong file stops the upgrade before anything changes
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_sql_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if revision == "head":
                sync_roles(connection, catalogue)
    finally:
        engine.dispose()
