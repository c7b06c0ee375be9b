"""The command line's ``layer`` commands: create a layer with its credit, change the credit, list layers.

``python -m layers layer create --name NAME --kind KIND --licence L --attribution A``
makes an empty layer before its first import, so that its source, licence and
attribution are stated deliberately (:mod:`layers.credits`); ``layer set-credit``
changes them and ``layer list`` shows every layer with its credit. An import into a
layer that does not exist still creates it (the name is given explicitly with
``--layer``), with the preset's credit where the preset knows the source
(``deepstate``, ``firms``); otherwise it says on stderr that the licence is not stated
and how to state it.

Exit status: 0 done, 2 for a bad option, an unknown layer, a name taken or a value the
store refuses (the message names the field and the fix); nothing is written then.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import sys

from . import schema
from .credits import LICENCES, Credit, credit_line
from .errors import InvalidInputError
from .exports import csv_cell
from .ingest import seed_if_embedded
from .store import Store, default_url

__all__ = ["add_layer_command", "missing_credit_note", "run_layer"]

#: Columns of ``layer list`` as CSV.
LIST_COLUMNS = (
    "name",
    "kind",
    "snapshots",
    "first",
    "last",
    "source",
    "licence",
    "attribution",
    "non_commercial",
    "description",
)


def add_layer_command(commands: argparse._SubParsersAction) -> None:
    """Add ``layer create|set-credit|list`` to the top-level parser's commands."""
    layer = commands.add_parser(
        "layer", help="create a layer with its source, licence and attribution; change them; list layers"
    )
    actions = layer.add_subparsers(dest="layer_command", required=True)
    create = actions.add_parser(
        "create", help="create an empty layer, stating its description, source, licence and attribution"
    )
    _db(create)
    create.add_argument("--name", required=True, help="the layer's name, as the sidebar and exports show it")
    create.add_argument("--kind", required=True, choices=sorted(schema.LAYER_KINDS), help="what it holds")
    create.add_argument(
        "--description", default="", help="what the layer shows and where its data comes from"
    )
    _credit_options(create, required=True)
    change = actions.add_parser("set-credit", help="replace a layer's source, licence and attribution")
    _db(change)
    change.add_argument("--name", required=True, help="the layer")
    _credit_options(change, required=False)
    listing = actions.add_parser("list", help="every layer with its kind, snapshots and credit")
    _db(listing)
    listing.add_argument("--format", choices=["csv", "json"], default="csv")


def _db(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)"
    )


def _credit_options(command: argparse.ArgumentParser, *, required: bool) -> None:
    known = ", ".join(name for name in LICENCES)
    command.add_argument(
        "--source", required=required, help="who made the data, e.g. DeepStateMap, NASA FIRMS, your newsroom"
    )
    command.add_argument(
        "--licence",
        required=required,
        help=f"the terms of reuse, free text; known: {known}. A non-commercial licence is stated on every "
        "export",
    )
    command.add_argument(
        "--attribution", default=None, help="the credit the source asks for (default: the source)"
    )


def run_layer(args: argparse.Namespace) -> int:
    """``layer create``, ``layer set-credit`` or ``layer list``."""
    store = Store(args.db or default_url())
    try:
        seed_if_embedded(store)
        if args.layer_command == "list":
            return _list(store, args.format)
        if args.layer_command == "create":
            credit = Credit(
                args.source.strip(), args.licence.strip(), (args.attribution or args.source).strip()
            )
            store.create_layer(args.name, args.kind, description=args.description, credit=credit, actor="cli")
            print(f"created layer {args.name!r} ({args.kind}, no snapshots yet).")
            print(credit_line(args.name, credit))
            return 0
        given = {key: getattr(args, key) for key in ("source", "licence", "attribution")}
        if all(value is None for value in given.values()):
            raise InvalidInputError("give at least one of --source, --licence and --attribution to change.")
        # An unknown name is refused by set_credit, which names the store's layers.
        current = {info.name: info.credit for info in store.layers()}.get(args.name, Credit())
        credit = Credit(
            *(getattr(current, key) if value is None else value.strip() for key, value in given.items())
        )
        store.set_credit(args.name, credit, actor="cli")
        print(f"layer {args.name!r}: {credit_line(args.name, credit)}")
        return 0
    finally:
        store.close()


def _list(store: Store, format: str) -> int:
    rows = [
        {
            "name": info.name,
            "kind": info.kind,
            "snapshots": info.n_snapshots,
            "first": info.first.isoformat() if info.first else "",
            "last": info.last.isoformat() if info.last else "",
            "source": info.credit.source,
            "licence": info.credit.licence,
            "attribution": info.credit.attribution,
            "non_commercial": info.credit.non_commercial,
            "description": info.description,
        }
        for info in store.layers()
    ]
    if format == "json":
        json.dump({"layers": rows}, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=LIST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    return 0


def missing_credit_note(store: Store, layer: str) -> str | None:
    """What an import says on stderr when its layer has no licence: how to state one."""
    credit = store.credit(layer)
    if credit is not None and credit.licence:
        return None
    return (
        f"note: layer {layer!r} has no licence recorded; exports will say 'licence not stated'. State it "
        f"with `python -m layers layer set-credit --name {shlex.quote(layer)} --source SOURCE --licence "
        "LICENCE --attribution CREDIT`."
    )
