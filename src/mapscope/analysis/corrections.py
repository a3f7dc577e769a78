"""The corrections the default mode applies to MAESTRO's model, one switch per quirk.

Compatibility mode turns every switch off and reproduces MAESTRO's CSV exactly; the default mode
turns them all on. Each switch names the quirk it fixes; README's compat/default table lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Corrections:
    #: In a spatial Edge step with one active sub-cluster, MAESTRO sizes the output by the *input*
    #: edge tile (X) instead of the output edge tile (X'), counting outputs that do not exist.
    spatial_edge_uses_output_tile: bool = False

    @classmethod
    def all_on(cls) -> Corrections:
        return cls(**{f.name: True for f in fields(cls)})


MAESTRO_SEMANTICS = Corrections()
CORRECTED = Corrections.all_on()
