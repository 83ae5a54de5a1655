"""``dbshift demo``: the everyday workflow, run on a throw-away project and SQLite database."""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path
from typing import Callable

MODELS_V1 = '''
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
'''

MODELS_V2 = MODELS_V1 + '''
    email: Mapped[str | None] = mapped_column(String(200), unique=True)


class Order(Base):
    __tablename__ = "order"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    total: Mapped[int] = mapped_column(server_default="0")
'''


def run_demo(say: Callable[[str], None], main: Callable[[list[str]], int]) -> int:
    """Run the tour, telling it through ``say``; ``main(argv) -> exit code`` runs each ``dbshift`` command."""
    with tempfile.TemporaryDirectory(prefix="dbshift-demo-") as folder:
        root = Path(folder)
        (root / "shop").mkdir()
        (root / "shop" / "__init__.py").write_text("")
        (root / "shop" / "models.py").write_text(MODELS_V1)
        (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1.0"\n')
        url = f"sqlite:///{root / 'shop.db'}"
        previous = Path.cwd()
        os.chdir(root)
        try:

            def step(*argv: str) -> None:
                say("")
                say(f"$ dbshift {' '.join(shlex.quote(a) for a in argv)}")
                code = main(["--url", url, *argv] if argv[0] != "init" else list(argv))
                if code not in (0, 2):
                    raise SystemExit(code)

            say(f"A project in {root} with models in shop/models.py (SQLite database shop.db)")
            step("init")
            step("revision", "--autogenerate", "-m", "create customer")
            step("upgrade")
            say("")
            say("# shop/models.py gains Customer.email (unique) and an Order table with a foreign key")
            (root / "shop" / "models.py").write_text(MODELS_V2)
            _forget_module("shop.models")
            step("revision", "--autogenerate", "-m", "orders and email")
            step("upgrade")
            step("check")
            step("history")
            step("downgrade", "-1")
            step("current")
            step("upgrade", "+1")
            step("current")
        finally:
            os.chdir(previous)
    say("")
    say("Done: the demo project and its database were removed.")
    return 0


def _forget_module(name: str) -> None:
    import sys

    for key in [k for k in sys.modules if k == name or k.startswith(name.split(".")[0] + ".")]:
        sys.modules.pop(key, None)
    sys.modules.pop(name.split(".")[0], None)
