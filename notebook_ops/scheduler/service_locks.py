"""The schedule store's service rows (which scheduler services are alive) and named locks (the
one service that fires a schedule), taken with the store's engine (``database.Store``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from notebook_ops.scheduler import orm


class ServicesAndLocks:
    """The store's services and locks (mixed into ``Store``, which opens ``engine``)."""

    engine: Engine

    def register_service(self, sid: str, host: str, pid: int, kind: str, workers: int, now: datetime) -> None:
        with self.engine.begin() as c:
            c.execute(delete(orm.services).where(orm.services.c.id == sid))
            c.execute(
                insert(orm.services).values(
                    id=sid, host=host, pid=pid, kind=kind, workers=workers, started_at=now, heartbeat_at=now
                )
            )

    def live_services(self, now: datetime, stale_after: float) -> list[dict]:
        t = orm.services
        with self.engine.connect() as c:
            rows = c.execute(select(t).where(t.c.heartbeat_at >= now - timedelta(seconds=stale_after))).all()
        return [dict(r._mapping) for r in rows]

    def acquire_lock(self, name: str, owner: str, now: datetime, ttl: float) -> bool:
        """Take or renew lock ``name`` if it is free, expired or already ours."""
        t = orm.locks
        until = now + timedelta(seconds=ttl)
        try:
            with self.engine.begin() as c:
                if c.execute(
                    update(t)
                    .where(t.c.name == name, or_(t.c.owner == owner, t.c.expires_at < now))
                    .values(owner=owner, expires_at=until)
                ).rowcount:
                    return True
                if c.execute(select(t.c.name).where(t.c.name == name)).first() is not None:
                    return False
                c.execute(insert(t).values(name=name, owner=owner, expires_at=until))
                return True
        except IntegrityError:  # another service made the lock at the same time: it is theirs
            return False

    def release_lock(self, name: str, owner: str) -> None:
        t = orm.locks
        with self.engine.begin() as c:
            c.execute(delete(t).where(and_(t.c.name == name, t.c.owner == owner)))

    def lock_owner(self, name: str, now: datetime) -> str | None:
        t = orm.locks
        with self.engine.connect() as c:
            return c.execute(select(t.c.owner).where(t.c.name == name, t.c.expires_at >= now)).scalar()
