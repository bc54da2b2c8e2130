"""The baseline: the smallest Flask app, served the same way as the LMS."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
