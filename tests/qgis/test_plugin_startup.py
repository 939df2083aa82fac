"""The plugin says once, when QGIS loads it, which libraries are missing and the exact command.

A missing library is simulated by ``sys.modules[name] = None`` (``importlib.util.find_spec``
then reports it absent, as for a package that is not installed); the interface is a
stand-in recording what would reach QGIS's message bar. The message log is QGIS's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class FakeBar:
    def __init__(self) -> None:
        self.messages: list[tuple] = []

    def pushMessage(self, title, text, level=None, duration=None):  # noqa: N802 - QGIS's name
        self.messages.append((title, text, level, duration))


class FakeIface:
    def __init__(self) -> None:
        self.bar = FakeBar()

    def messageBar(self):  # noqa: N802
        return self.bar


@pytest.fixture()
def plugin_module(qgis_app):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import qgis_plugin

    return qgis_plugin


@pytest.fixture()
def log(qgis_app):
    from qgis.core import QgsApplication

    seen = []

    def record(message, tag, level):
        if tag == "geoproc":
            seen.append((message, level))

    QgsApplication.messageLog().messageReceived.connect(record)
    yield seen
    QgsApplication.messageLog().messageReceived.disconnect(record)


def _start(plugin_module):
    iface = FakeIface()
    plugin = plugin_module.classFactory(iface)
    plugin.initProcessing()  # QGIS calls this first for a Processing plugin ...
    plugin.initGui()  # ... then initGui
    return plugin, iface


def test_missing_library_reported_once_with_the_command(plugin_module, log, monkeypatch):
    from qgis.core import Qgis

    from qgis_plugin.dependencies import install_command

    monkeypatch.setitem(sys.modules, "esda", None)
    monkeypatch.setitem(sys.modules, "spreg", None)
    plugin, iface = _start(plugin_module)
    try:
        assert len(iface.bar.messages) == 1
        title, text, level, duration = iface.bar.messages[0]
        assert title == "geoproc" and level == Qgis.MessageLevel.Critical and duration == 0  # stays
        assert "esda, spreg" in text and install_command(["esda", "spreg"]) in text
        assert "geopandas" not in text  # only what is missing
        assert [m for m, _ in log] == [text]  # and in the log panel, once
        plugin.initGui()  # a second initGui (e.g. a plugin reloader) does not repeat it
        plugin.report_missing_libraries()
        assert len(iface.bar.messages) == 1 and len(log) == 1
    finally:
        plugin.unload()


def test_provider_added_once_and_removed(plugin_module):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    if registry.providerById("geoproc") is not None:
        # another test module registered one: the plugin must leave it alone
        plugin, _ = _start(plugin_module)
        assert plugin.provider is None
        plugin.unload()
        assert registry.providerById("geoproc") is not None
        return
    plugin, _ = _start(plugin_module)  # initProcessing, then initGui calling it again
    assert registry.providerById("geoproc") is plugin.provider
    assert len([p for p in registry.providers() if p.id() == "geoproc"]) == 1
    plugin.unload()
    assert registry.providerById("geoproc") is None


def test_nothing_missing_says_nothing(plugin_module, log):
    plugin, iface = _start(plugin_module)
    try:
        assert iface.bar.messages == [] and log == []
    finally:
        plugin.unload()


def test_tool_still_refuses_with_the_command_when_run(plugin_module, qgis_processing, monkeypatch, tmp_path):
    """The load-time message is a courtesy: a tool run without its libraries stops with the command."""
    from qgis.core import QgsProcessingException

    from qgis_plugin.dependencies import install_command

    plugin, _ = _start(plugin_module)
    try:
        monkeypatch.setitem(sys.modules, "libpysal", None)
        with pytest.raises(QgsProcessingException, match="libpysal") as err:
            qgis_processing.run("geoproc:export_boundaries", {"NAME": 0, "OUTPUT": str(tmp_path / "x.gpkg")})
        assert install_command(["libpysal"]) in str(err.value)
        assert not (tmp_path / "x.gpkg").exists()
    finally:
        plugin.unload()
