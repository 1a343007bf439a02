"""The table of what each flow uses in Odoo (`usage.yaml`), loaded and validated once.

The table is data: models, access rights, fields and methods per flow. `ofm odoo check` checks it
against a server, and a test checks its fields against a real Odoo 19's captured `fields_get`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

USAGE_FILE = Path(__file__).with_name("usage.yaml")
Operation = Literal["read", "create", "write", "unlink"]


class ModelUse(BaseModel):
    """What one flow needs of one model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    access: tuple[Operation, ...] = Field(min_length=1)
    fields: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()


class OdooUsage(BaseModel):
    """Every flow's models, the module of each model, and the runs that chain flows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    modules: dict[str, str]
    grants: dict[str, dict[Operation, tuple[str, ...]]] = {}  # model -> operation -> groups granting it
    aliases: dict[str, tuple[str, ...]] = {}
    flows: dict[str, dict[str, ModelUse]]

    @model_validator(mode="after")
    def _consistent(self) -> OdooUsage:
        for flow, models in self.flows.items():
            unknown = sorted(set(models) - set(self.modules))
            if unknown:
                raise ValueError(f"flow {flow}: no module declared for {', '.join(unknown)}")
            for model, use in models.items():
                for kind, names in (("field", use.fields), ("method", use.methods)):
                    if len(set(names)) != len(names):
                        raise ValueError(f"flow {flow}, {model}: a {kind} is listed twice")
                if any(m.startswith("_") for m in use.methods):
                    raise ValueError(f"flow {flow}, {model}: private methods cannot be called over RPC")
        unknown = sorted(set(self.grants) - set(self.modules))
        if unknown:
            raise ValueError(f"grants: no module declared for {', '.join(unknown)}")
        for alias, flows in self.aliases.items():
            if alias in self.flows or not set(flows) <= set(self.flows):
                raise ValueError(f"alias {alias}: must name flows of the table, and not be one")
        return self

    def groups(self, model: str, operation: str) -> tuple[str, ...]:
        """The Odoo groups (xml ids) that grant `operation` on `model`, any one enough; () if not declared."""
        return self.grants.get(model, {}).get(operation, ())  # type: ignore[call-overload]

    def rights(self, flow: str) -> list[tuple[str, str]]:
        """(model, operation) pairs a flow needs, each once, in the table's order."""
        return list(dict.fromkeys((model, op) for model, use in self.flows[flow].items() for op in use.access))

    def names(self) -> list[str]:
        """Flow names `--flow` accepts."""
        return [*self.flows, *self.aliases]

    def expand(self, name: str | None) -> list[str]:
        """The table's flows a name stands for (every flow for None); KeyError if unknown."""
        if name is None:
            return list(self.flows)
        if name in self.aliases:
            return list(self.aliases[name])
        if name in self.flows:
            return [name]
        raise KeyError(name)


@lru_cache(maxsize=1)
def load_usage(path: Path = USAGE_FILE) -> OdooUsage:
    """The validated table (ValueError naming the problem if it is not)."""
    return OdooUsage.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
