"""A bare Flask "hello world": the ceiling that throughput.py compares our pages with, served
by the same gunicorn configuration. (hello_signed_in.py is the floor under signed-in pages.)"""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
