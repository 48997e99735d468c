"""The tinyvid Gradio demo: text/image-to-video, extension, interpolation and a flicker lab.

``python -m app`` serves it on http://127.0.0.1:7860; ``build_app(pipeline=...)`` builds the
same page around any pipeline (the tests use tiny random ones).
"""

from __future__ import annotations

from app.ui import CSS, build_app

__all__ = ["build_app", "serve", "CSS"]


def serve(demo, host: str = "127.0.0.1", port: int = 7860, block: bool = True, **kwargs):
    """Launch ``demo`` with the app's look; ``block=False`` returns at once (for tests)."""
    import gradio as gr

    return demo.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        theme=gr.themes.Soft(primary_hue="indigo", neutral_hue="slate"),
        css=CSS,
        max_file_size="20mb",
        footer_links=["api"],
        show_error=True,
        **kwargs,
    )
