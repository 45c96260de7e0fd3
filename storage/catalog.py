"""The product catalog: groups and products with their FABE pitches, replaced as a whole."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.catalog import GroupSpec, ProductSpec
from domain.names import fold
from storage.db import Database, Row, from_db_time, marks, to_db_time, to_json

_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class ProductGroup:
    id: int
    code: str
    segment: str
    names: dict[str, str]
    position: int

    @classmethod
    def from_row(cls, row: Row) -> ProductGroup:
        return cls(id=row["id"], code=row["code"], segment=row["segment"],
                   names=json.loads(row["names"]), position=row["position"])


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    group_id: int
    names: dict[str, str]
    pitch: dict[str, dict[str, str]]
    rates: dict[str, str] | None
    active: bool
    position: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Product:
        updated_at = from_db_time(row["updated_at"])
        assert updated_at is not None
        return cls(id=row["id"], code=row["code"], group_id=row["group_id"],
                   names=json.loads(row["names"]), pitch=json.loads(row["pitch"]),
                   rates=json.loads(row["rates"]) if row["rates"] else None,
                   active=bool(row["active"]), position=row["position"], updated_at=updated_at)


@dataclass(frozen=True)
class ReplaceResult:
    groups: int
    products: int
    deactivated: int


_GROUP_COLUMNS = "g.id, g.code, g.segment, g.names, g.position"
_PRODUCT_COLUMNS = "id, code, group_id, names, pitch, rates, active, position, updated_at"


def _dump(value: object) -> str:
    return to_json(value, sort_keys=True)


def _forms(text: str) -> tuple[str, str]:
    folded = fold(text)
    return folded, _NON_WORD.sub("", folded)


class CatalogRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def replace_all(self, groups: Sequence[GroupSpec], products: Sequence[ProductSpec],
                          now: datetime) -> ReplaceResult:
        """Make the catalog exactly these groups and products, in one transaction.

        Rows are matched by code and updated in place (ids stay, so posts and leads keep
        pointing at them); active products missing from the new catalog are deactivated.
        """
        stamp = to_db_time(now)
        async with self.db.transaction():
            group_ids: dict[str, int] = {}
            for position, group in enumerate(groups):
                await self.db.execute(
                    "INSERT INTO product_groups (code, segment, names, position)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET"
                    " segment = excluded.segment, names = excluded.names,"
                    " position = excluded.position",
                    (group.code, group.segment, _dump(group.names), position),
                )
                group_ids[group.code] = await self.db.fetch_value(
                    "SELECT id FROM product_groups WHERE code = ?", (group.code,))
            for position, product in enumerate(products):
                await self.db.execute(
                    "INSERT INTO products (code, group_id, names, pitch, rates, active,"
                    " position, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)"
                    " ON CONFLICT(code) DO UPDATE SET group_id = excluded.group_id,"
                    " names = excluded.names, pitch = excluded.pitch, rates = excluded.rates,"
                    " active = 1, position = excluded.position, updated_at = excluded.updated_at",
                    (product.code, group_ids[product.group_code], _dump(product.names),
                     _dump(product.pitch), _dump(product.rates) if product.rates else None,
                     position, stamp),
                )
            codes = [product.code for product in products]
            keep = f" AND code NOT IN ({marks(codes)})" if codes else ""
            deactivated = await self.db.execute(
                f"UPDATE products SET active = 0, updated_at = ? WHERE active = 1{keep}",
                (stamp, *codes),
            )
        return ReplaceResult(len(groups), len(products), deactivated)

    async def groups(self, segment: str | None = None) -> list[ProductGroup]:
        """Groups with at least one active product: individuals first, then in file order."""
        rows = await self.db.fetch_all(
            f"SELECT {_GROUP_COLUMNS} FROM product_groups g WHERE"
            " (CAST(? AS TEXT) IS NULL OR g.segment = ?)"
            " AND EXISTS (SELECT 1 FROM products p WHERE p.group_id = g.id AND p.active = 1)"
            " ORDER BY g.segment = 'company', g.position, g.id",
            (segment, segment),
        )
        return [ProductGroup.from_row(row) for row in rows]

    async def group(self, group_id: int) -> ProductGroup | None:
        row = await self.db.fetch_one(
            f"SELECT {_GROUP_COLUMNS} FROM product_groups g WHERE g.id = ?", (group_id,))
        return ProductGroup.from_row(row) if row else None

    async def products_in(self, group_id: int) -> list[Product]:
        """The group's active products in file order."""
        rows = await self.db.fetch_all(
            f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE group_id = ? AND active = 1"
            " ORDER BY position, id",
            (group_id,),
        )
        return [Product.from_row(row) for row in rows]

    async def active_products(self) -> list[Product]:
        """Every active product, grouped as in the file."""
        rows = await self.db.fetch_all(
            f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE active = 1 ORDER BY position, id")
        return [Product.from_row(row) for row in rows]

    async def get(self, product_id: int) -> Product | None:
        """The product, even if no longer active (old posts and buttons refer to it)."""
        row = await self.db.fetch_one(
            f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE id = ?", (product_id,))
        return Product.from_row(row) if row else None

    async def by_code(self, code: str) -> Product | None:
        row = await self.db.fetch_one(
            f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE code = ?", (code.strip().lower(),))
        return Product.from_row(row) if row else None

    async def search(self, text: str) -> list[Product]:
        """Active products whose code or name in any language matches, accents and script
        ignored; an exact code or name wins over partial matches."""
        folded, compact = _forms(text)
        if not compact:
            return []
        products = await self.active_products()
        exact = [p for p in products if p.code == folded
                 or any(_forms(name)[0] == folded for name in p.names.values())]
        if exact:
            return exact
        found = []
        for product in products:
            forms = [_forms(product.code), *(_forms(name) for name in product.names.values())]
            if any(folded in full or compact in tight for full, tight in forms):
                found.append(product)
        return found

    async def codes(self) -> dict[int, str]:
        """Every product's code by id, active or not (deals keep pointing at old products)."""
        rows = await self.db.fetch_all("SELECT id, code FROM products")
        return {int(row["id"]): row["code"] for row in rows}

    async def count(self) -> int:
        """How many products are active."""
        return int(await self.db.fetch_value("SELECT COUNT(*) FROM products WHERE active = 1"))
