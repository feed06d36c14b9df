"""The schema moves only through migrations: upgrade from empty works and matches the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from core.extensions import db
from factories import app_config, fresh_database_url


def test_upgrade_from_empty_matches_the_models_and_downgrades(db_url, tmp_path):
    app = create_app(app_config(fresh_database_url(db_url, tmp_path, "migration_check")))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        db.engine.dispose()


def test_customer_type_vocabulary_comes_from_the_migration():
    from catalogue.models import CustomerType

    names = list(db.session.scalars(sa.select(CustomerType.name).order_by(CustomerType.sort_order)))
    assert names[:3] == ["청년", "중장년", "노인"]
    assert {"임산부", "한부모", "장애인", "기초생활수급", "농어업인", "북한이탈주민", "구직자"} <= set(names)
