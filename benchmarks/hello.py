"""A bare Flask "hello world": the ceiling that throughput.py compares our pages with."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
