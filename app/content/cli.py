import click


@click.group("content", help="Validate and sync the YAML content.")
def content_cli() -> None:
    pass


@click.group("frameworks", help="Competency frameworks.")
def frameworks_cli() -> None:
    pass
