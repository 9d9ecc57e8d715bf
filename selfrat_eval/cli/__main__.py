from selfrat_eval.cli import app

app()
