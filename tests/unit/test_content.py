"""Markdown rendering and the HTML allow-list."""
from training.services.authoring.content import ImageRef, image_paths, render_markdown, sanitize


def test_markdown_renders_tables_and_headings():
    """Are CommonMark and tables rendered?"""
    html = render_markdown("## 标题\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h2>标题</h2>" in html and "<table>" in html and "<td>1</td>" in html


def test_scripts_handlers_and_styles_are_removed():
    """Does raw HTML lose scripts, event handlers, styles and javascript: links?"""
    html = render_markdown(
        '<script>alert(1)</script><p onclick="x()" style="position:fixed">hi</p>'
        '<a href="javascript:alert(1)">x</a><img src="http://evil.example/x.png" onerror="x()">'
        '\n\n[ok](https://example.org) [mail](mailto:a@b.cn)\n\n<iframe src="https://x"></iframe>'
    )
    assert "<script" not in html and "alert(1)</" not in html
    assert "onclick" not in html and "style=" not in html and "onerror" not in html
    assert "javascript:" not in html and "http://evil" not in html and "<iframe" not in html
    assert 'href="https://example.org"' in html and 'href="mailto:a@b.cn"' in html


def test_course_images_and_lesson_links_are_resolved():
    """Are course-relative images and lesson: links rewritten to site URLs with sizes?"""
    html = render_markdown(
        "![灯光示意](images/light.svg) [下一课](lesson:kit) [坏链接](lesson:nope)",
        resolve_image=lambda src: ImageRef("/media/abc.svg", 360, 200) if src == "images/light.svg" else None,
        resolve_lesson=lambda key: "/courses/c/lessons/kit" if key == "kit" else None,
    )
    assert 'src="/media/abc.svg"' in html and 'width="360"' in html and 'loading="lazy"' in html
    assert 'alt="灯光示意"' in html
    assert 'href="/courses/c/lessons/kit"' in html


def test_unresolved_relative_image_is_dropped():
    """Is an image that is neither site media nor https left without a source?"""
    assert "src=" not in render_markdown("![x](images/missing.png)")


def test_image_paths_lists_alt_text():
    assert image_paths("![甲](a.png) text ![](b.png)") == [("a.png", "甲"), ("b.png", "")]


def test_sanitize_keeps_plain_text_escaped():
    assert sanitize("<b>bold</b> &lt;i&gt;") == "<b>bold</b> &lt;i&gt;"


def test_task_lists_are_real_enabled_checkboxes():
    """Does "- [ ] 检查网络" become a tickable checkbox in its label, not "[ ]" text?"""
    html = render_markdown("- [ ] 检查网络\n- [x] 充好电\n- 普通一项\n")
    assert "[ ]" not in html and "[x]" not in html
    assert html.count('type="checkbox"') == 2 and "disabled" not in html
    assert '<label><input class="task-list-item-checkbox" type="checkbox"> 检查网络</label>' in html
    assert 'checked="checked"' in html.split("充好电")[0].split("检查网络")[1]
    assert '<ul class="contains-task-list">' in html and "<li>普通一项</li>" in html


def test_raw_inputs_can_only_be_checkboxes_without_handlers():
    """Can raw HTML only give a plain checkbox (no text field, handler, name or foreign class)?"""
    html = sanitize('<input type="text" name="pw" value="x" onclick="x()" class="evil task-list-item-checkbox">'
                    '<label for="a" class="big">l</label><a class="term evil" href="/x">t</a>')
    assert html.startswith('<input class="task-list-item-checkbox" type="checkbox">')
    assert "text" not in html.split(">")[0] and "onclick" not in html and "name=" not in html
    assert 'class="big"' not in html and 'class="term"' in html and "evil" not in html
