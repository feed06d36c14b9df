"""``import-services``: the public-service open data from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from catalogue import importer, open_data
from core.extensions import db

CLI_PROBLEMS = 200  # bad rows listed on the terminal; the rest are counted


@click.command("import-services")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--conditions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The support-conditions table (서비스ID and JA… columns).")
@click.option("--partial", is_flag=True,
              help="FILE is not the whole list: do not deactivate services missing from it.")
def import_services(file: Path, conditions: Path | None, partial: bool) -> None:
    """Import the public-service open data (CSV in UTF-8 or CP949, or JSON).

    The last line is the summary: added=N updated=N deactivated=N skipped=N.
    """
    try:
        files = open_data.read_files(
            file.read_bytes(), file.name,
            conditions.read_bytes() if conditions else None, conditions.name if conditions else "",
        )
    except open_data.ImportRefused as error:
        raise click.ClickException(str(error)) from None
    with tqdm(total=files.row_count, unit="행", desc="가져오기", leave=False) as bar:
        result = importer.import_services(files, full=not partial, progress=bar.update)
    db.session.commit()
    for problem in result.problems[:CLI_PROBLEMS]:
        click.echo(str(problem))
    if result.skipped > CLI_PROBLEMS:
        click.echo(f"… 건너뛴 행 {result.skipped - CLI_PROBLEMS}개 더")
    click.echo(f"변경 없음 {result.unchanged}개")
    click.echo(result.summary_line())
