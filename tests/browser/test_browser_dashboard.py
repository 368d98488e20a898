"""The dashboard in a real headless Chromium against Pulse monitoring the simulator: live data,
search, URLs per view, guest charts, no console errors and no CSP violations."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Page, Pulse


async def settled_state(pulse: Pulse) -> dict[str, Any]:
    """The state once every simulated PVE node and its guests are in it."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        state = await pulse.state()
        guests = state["vms"] + state["containers"]
        running = [g for g in guests if g["status"] == "running"]
        if state["nodes"] and running and state["pbs"] and state["storage"]:
            return state
        assert asyncio.get_running_loop().time() < deadline, "simulator data never arrived"
        await asyncio.sleep(0.2)


def raw_match(guest: dict[str, Any], needle: str) -> bool:
    """The dashboard's plain-word rule: name, VMID, node or status contains the word."""
    fields = (guest["name"], str(guest["vmid"]), guest["node"], guest["status"])
    return any(needle.lower() in f.lower() for f in fields)


async def test_main_view_lists_the_simulators_nodes_and_guests(pulse: Pulse, page: Page) -> None:
    state = await settled_state(pulse)
    await page.open("#/main")
    for node in state["nodes"]:
        card = page.page.locator(f'[data-testid="node-card"][data-node="{node["name"]}"]')
        await expect(card).to_be_visible()
    for pbs in state["pbs"]:
        await expect(
            page.page.locator(f'[data-testid="pbs-card"][data-node="{pbs["name"]}"]')
        ).to_be_visible()
    guests = state["vms"] + state["containers"]
    rows = page.page.locator('[data-testid="guest-row"]')
    await expect(rows).to_have_count(len(guests))
    running = next(g for g in guests if g["status"] == "running" and g["name"])
    row = page.page.locator(f'[data-testid="guest-row"][data-id="{running["id"]}"]')
    await expect(row).to_contain_text(running["name"])
    await expect(row.locator(".col-cpu .bar")).to_be_visible()
    await expect(page.page.get_by_test_id("connection")).to_have_text("Connected")
    # No password is configured: the dashboard says so.
    await expect(page.page.get_by_test_id("security-banner")).to_contain_text("No password is set")
    page.assert_clean()


async def test_search_filters_rows_and_lives_in_the_url(pulse: Pulse, page: Page) -> None:
    state = await settled_state(pulse)
    guests = state["vms"] + state["containers"]
    target = next(g for g in guests if g["status"] == "running" and len(g["name"]) > 3)
    word = target["name"]
    await page.open("#/main")
    rows = page.page.locator('[data-testid="guest-row"]')
    await expect(rows).to_have_count(len(guests))

    await page.page.get_by_test_id("guest-search").fill(word)
    expected = [g for g in guests if raw_match(g, word)]
    await expect(rows).to_have_count(len(expected))
    for name in await rows.evaluate_all("rows => rows.map(r => r.dataset.name)"):
        assert word.lower() in name.lower()
    assert "q=" + word in page.page.url

    # A field filter, and a reload keeps it (the search is part of the URL).
    await page.page.get_by_test_id("guest-search").fill(f"vmid:{target['vmid']}")
    by_vmid = [g for g in guests if str(target["vmid"]) in str(g["vmid"])]
    await expect(rows).to_have_count(len(by_vmid))
    await page.page.reload()
    await expect(page.page.get_by_test_id("guest-search")).to_have_value(f"vmid:{target['vmid']}")
    await expect(rows).to_have_count(len(by_vmid))

    # Metric filter: nothing runs above 100 % CPU; Esc clears the search.
    await page.page.get_by_test_id("guest-search").fill("cpu>100")
    await expect(rows).to_have_count(0)
    await page.page.get_by_test_id("guest-search").press("Escape")
    await expect(rows).to_have_count(len(guests))

    # The syntax rules themselves (dashboard.md §2.3, I/O metrics and `=` fixed) on known guests.
    matches = await page.page.evaluate(SEARCH_CASES)
    assert matches == {
        "cpu>50": ["busy"],
        "cpu=75": ["busy"],
        "memory<20 OR cpu>50": ["busy", "idle"],
        "cpu>50 AND memory<20": [],
        "networkIn>10": ["busy"],
        "networkIn>500KB": ["busy", "idle"],
        "plex,idle": ["idle"],
        "tag:media": ["busy"],
        "node:pve2": ["idle"],
        "running, memory>50": ["busy"],
    }
    page.assert_clean()


SEARCH_CASES = """async () => {
  const { compileSearch } = await import('/js/search.js');
  const mb = 1024 * 1024;
  const guests = [
    { name: 'busy', vmid: 101, node: 'pve1', status: 'running', cpu: 0.75, tags: ['media'],
      memory: { usage: 60 }, disk: { usage: 10 }, networkIn: 20 * mb, networkOut: 0, diskRead: 0, diskWrite: 0 },
    { name: 'idle', vmid: 202, node: 'pve2', status: 'stopped', cpu: 0, tags: [],
      memory: { usage: 10 }, disk: { usage: 5 }, networkIn: 600 * 1024, networkOut: 0, diskRead: 0, diskWrite: 0 },
  ];
  const queries = ['cpu>50', 'cpu=75', 'memory<20 OR cpu>50', 'cpu>50 AND memory<20', 'networkIn>10',
    'networkIn>500KB', 'plex,idle', 'tag:media', 'node:pve2', 'running, memory>50'];
  return Object.fromEntries(queries.map((q) => [q, guests.filter(compileSearch(q)).map((g) => g.name)]));
}"""


async def test_tabs_change_the_url_and_every_view_renders(pulse: Pulse, page: Page) -> None:
    await settled_state(pulse)
    await page.open("#/main")
    await expect(page.page.locator('[data-testid="guest-row"]').first).to_be_visible()

    await page.page.get_by_test_id("tab-storage").click()
    await expect(page.page).to_have_url(re.compile(r"#/storage$"))
    await expect(page.page.locator('[data-testid="storage-row"]').first).to_be_visible()

    await page.page.get_by_test_id("tab-backups").click()
    await expect(page.page).to_have_url(re.compile(r"#/backups$"))
    await expect(page.page.get_by_test_id("backups-table")).to_be_visible()

    await page.page.get_by_test_id("tab-alerts").click()
    await expect(page.page).to_have_url(re.compile(r"#/alerts$"))
    await page.page.go_back()
    await expect(page.page).to_have_url(re.compile(r"#/backups$"))

    # Deep links to sub-views work on a fresh load.
    for route, marker in (
        ("#/alerts/history", '[data-testid="history-table"], .empty'),
        ("#/alerts/thresholds", "text=VMs & containers"),
        ("#/alerts/notifications", '.card-title:has-text("Webhooks")'),
        ("#/settings/nodes", '[data-testid="config-node"]'),
        ("#/settings/system", '[data-testid="save-system"]'),
        ("#/settings/security", '[data-testid="password-form"]'),
    ):
        await page.open(route)
        await expect(page.page.locator(marker).first).to_be_visible()
    page.assert_clean()


async def test_a_guest_row_expands_to_its_charts(pulse: Pulse, page: Page) -> None:
    state = await settled_state(pulse)
    guest = next(g for g in state["vms"] + state["containers"] if g["status"] == "running")
    await page.open("#/main")
    row = page.page.locator(f'[data-testid="guest-row"][data-id="{guest["id"]}"]')
    await row.locator(".row-toggle").click()
    await expect(page.page).to_have_url(re.compile("guest=" + re.escape(guest["id"])))
    charts = page.page.get_by_test_id("guest-charts")
    await expect(charts.locator(".uplot")).to_have_count(3)
    await charts.get_by_role("radio", name="24h").click()
    await expect(charts.locator(".uplot")).to_have_count(3)
    page.assert_clean()
