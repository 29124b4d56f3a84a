"""Installable (issue 23, item 11): at 360 px the page links a web app manifest that Chromium
fetches and parses without errors, its icons load at their declared sizes, and "添加到主屏幕"
finds nothing missing; the same in WeChat's in-app browser (its user agent)."""
import json

import pytest

from .conftest import SCREENSHOTS

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
             "MMWEBSDK/20230202 MMWEBID/2585 MicroMessenger/8.0.33.2320(0x2800213D) WeChat/arm64 "
             "Weixin NetType/4G Language/zh_CN ABI/arm64")

ICON_SIZES = """async (icons) => Promise.all(icons.map((icon) => new Promise((done) => {
  const image = new Image();
  image.onload = () => done({src: icon.src, sizes: icon.sizes, width: image.naturalWidth, height: image.naturalHeight});
  image.onerror = () => done({src: icon.src, sizes: icon.sizes, width: 0, height: 0});
  image.src = icon.src;
})))"""


@pytest.mark.parametrize("user_agent", [None, WECHAT_UA], ids=["chromium", "wechat"])
def test_manifest_is_fetched_valid_and_its_icons_load(phone, user_agent):
    """Chromium's own manifest parser reports no errors; name 村播学堂, standalone, start_url /;
    both PNG icons load at 192 and 512 px; the service worker still controls the whole site."""
    context = phone(**({"user_agent": user_agent} if user_agent else {}))
    page = context.new_page()
    page.goto("/login")
    assert page.evaluate("document.documentElement.clientWidth") == 360
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.webmanifest"
    assert page.locator('link[rel="apple-touch-icon"]').count() == 1
    assert page.locator('meta[name="description"]').get_attribute("content")
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    parsed = manifest.get("parsed") or {}
    data = json.loads(manifest["data"])
    assert data["name"] == "村播学堂" and data["short_name"] and data["display"] == "standalone"
    assert data["start_url"] == "/" and data["theme_color"] and data["background_color"]
    if parsed:  # newer Chromium also returns its parsed view
        assert parsed.get("display") in (None, "standalone", "Standalone")
    loaded = page.evaluate(ICON_SIZES, [{"src": icon["src"], "sizes": icon["sizes"]} for icon in data["icons"]])
    assert sorted((icon["width"], icon["height"]) for icon in loaded) == [(192, 192), (512, 512)]
    for icon in loaded:
        assert icon["sizes"] == f"{icon['width']}x{icon['height']}"
    # The service worker's scope is the whole site, as before.
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == page.evaluate("location.origin") + "/"
    # Nothing stops "添加到主屏幕"; Playwright's contexts are incognito, which Chromium names itself.
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"installable-{'wechat' if user_agent else 'chromium'}-360.png"))
