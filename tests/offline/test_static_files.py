

def test_shared_files_carry_no_session_cookie(app, learner):
    """Static files, media and the service worker set no cookie and do not vary by cookie, so the
    service worker's install finds them in the browser's cache instead of downloading them again."""
    from flask import url_for

    client = app.test_client(user=learner)
    with app.test_request_context():
        urls = [url_for("static", filename="css/app.css"), url_for("offline.service_worker")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
    assert "Set-Cookie" in client.get("/me").headers  # pages still keep the session alive
