"""Operation ids: UUID version 7 (RFC 9562), time-ordered.

Central partitions ``ops`` by month on the id itself (schema c0009): the first 48 bits are
the Unix time in milliseconds, so the ids of one month form one range and the table's key
stays the id alone, unique across every month. The remaining 74 bits are random, so ids made
in the same millisecond on different desks still never meet. A desk's clock only decides in
which month's partition an id lands (far off: the default one), never whether it is unique.
"""

from __future__ import annotations

import os
import time
import uuid


def new_op_id(now_ms: int | None = None) -> uuid.UUID:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
