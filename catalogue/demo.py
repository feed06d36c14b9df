"""Demo catalogue: the bundled open-data sample, linked to each demo centre's agencies."""

from pathlib import Path

import sqlalchemy as sa

from catalogue import importer, open_data
from catalogue.models import CentreService, Service
from centers.models import Centre
from core.demo import DemoRun
from core.extensions import db

DEMO_DATA = Path(__file__).parent / "demo_data"


def seed_catalogue(run: DemoRun) -> None:
    """Import the 40-service sample once, then put on each centre's list the services its
    agencies give (by domain), so intake suggestions have something to suggest."""
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Service)):
        files = open_data.read_files(
            (DEMO_DATA / "public-services-sample.csv").read_bytes(), "public-services-sample.csv",
            (DEMO_DATA / "public-services-conditions-sample.csv").read_bytes(),
            "public-services-conditions-sample.csv",
        )
        importer.import_services(files, full=False)
    services = db.session.scalars(sa.select(Service).where(Service.is_active)).all()
    for centre in db.session.scalars(sa.select(Centre)):
        listed = set(db.session.scalars(
            sa.select(CentreService.service_id).where(CentreService.centre_id == centre.id)))
        by_domain = {agency.kind.domain: agency for agency in centre.agencies}
        for service in services:
            agency = by_domain.get(service.domain)
            if agency is not None and service.id not in listed:
                db.session.add(CentreService(centre_id=centre.id, service_id=service.id,
                                             agency_id=agency.id))
    db.session.flush()
