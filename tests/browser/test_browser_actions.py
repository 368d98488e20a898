"""Dashboard actions in a real browser: login with a password, the node dialog round trip, and
the stale-data banner when the websocket drops."""

from __future__ import annotations

import re

from playwright.async_api import WebSocketRoute, expect

from pulse import keys
from tests.browser.conftest import Page, Pulse
from tests.browser.test_browser_dashboard import settled_state

PASSWORD = "correct horse battery staple"


async def test_login_flow_with_a_password(pulse: Pulse, page: Page) -> None:
    await settled_state(pulse)
    await pulse.app[keys.CREDENTIALS].set_password(PASSWORD)
    await page.open("#/storage")
    form = page.page.get_by_test_id("login-form")
    await expect(form).to_be_visible()
    await expect(page.page.locator('[data-testid="storage-row"]')).to_have_count(0)

    await form.locator('input[name="username"]').fill("admin")
    await form.locator('input[name="password"]').fill("wrong password")
    await form.get_by_role("button", name="Sign in").click()
    await expect(page.page.get_by_test_id("login-error")).to_contain_text("Invalid credentials")

    await form.locator('input[name="password"]').fill(PASSWORD)
    await form.get_by_role("button", name="Sign in").click()
    # Signed in: the requested view with live data, no security banner.
    await expect(page.page.locator('[data-testid="storage-row"]').first).to_be_visible()
    await expect(page.page).to_have_url(re.compile(r"#/storage$"))
    await expect(page.page.get_by_test_id("security-banner")).to_have_count(0)
    await expect(page.page.get_by_test_id("connection")).to_have_text("Connected")

    # A state-changing request carries the CSRF token (else the server answers 403).
    await page.open("#/settings/system")
    await page.page.get_by_test_id("save-system").click()
    await expect(
        page.page.get_by_test_id("toast").filter(has_text="Settings saved")
    ).to_be_visible()

    await page.page.get_by_test_id("logout").click()
    await expect(page.page.get_by_test_id("login-form")).to_be_visible()
    response = await page.page.request.get(f"{page.base}/api/state")
    assert response.status == 401
    # The wrong password's 401 (and the post-logout probe) are expected network errors.
    page.assert_clean(r"status of 401")


async def test_node_add_edit_delete_through_the_dialog(pulse: Pulse, page: Page) -> None:
    registry = pulse.app[keys.NODES]
    server = next(s for s in pulse.sim.servers if s.name == "pve-edge")
    existing = registry.by_name(server.name)
    assert existing is not None
    await registry.remove(existing.id)

    await page.open("#/settings/nodes")
    await expect(page.page.locator('[data-testid="config-node"]')).to_have_count(2)
    await page.page.get_by_test_id("add-pve").click()
    dialog = page.page.get_by_test_id("node-dialog")
    await expect(dialog).to_be_visible()
    await dialog.locator('input[name="name"]').fill(server.name)
    await dialog.locator('input[name="host"]').fill(server.url)
    await dialog.locator('input[name="tokenName"]').fill(server.token_id)
    await dialog.locator('input[name="tokenValue"]').fill(server.token_secret)
    await dialog.locator('input[name="fingerprint"]').fill(server.fingerprint)
    await dialog.get_by_text("Verify the certificate").click()  # self-signed: pinned instead

    await page.page.get_by_test_id("node-test").click()
    await expect(page.page.get_by_test_id("node-test-result")).to_contain_text(
        "Successfully connected"
    )
    await page.page.get_by_test_id("node-save").click()
    await expect(dialog).to_have_count(0)
    added = page.page.locator(f'[data-testid="config-node"][data-name="{server.name}"]')
    await expect(added).to_be_visible()
    await expect(page.page.get_by_test_id("toast").filter(has_text="Node added")).to_be_visible()
    saved = registry.by_name(server.name)
    assert saved is not None
    assert saved.host == server.url

    # Edit: the dialog shows the stored values (never the secret); rename the node.
    await added.get_by_role("button", name="Edit").click()
    await expect(dialog.locator('input[name="host"]')).to_have_value(server.url)
    await expect(dialog.locator('input[name="tokenValue"]')).to_have_value("")
    await dialog.locator('input[name="name"]').fill("edge-renamed")
    await page.page.get_by_test_id("node-save").click()
    renamed = page.page.locator('[data-testid="config-node"][data-name="edge-renamed"]')
    await expect(renamed).to_be_visible()
    assert registry.by_name("edge-renamed") is not None

    # Delete asks first, then the node is gone from the list and the registry.
    await renamed.get_by_role("button", name="Delete edge-renamed").click()
    await page.page.get_by_test_id("confirm-ok").click()
    await expect(renamed).to_have_count(0)
    assert registry.by_name("edge-renamed") is None
    page.assert_clean()


async def test_websocket_drop_keeps_data_and_shows_the_stale_banner(
    pulse: Pulse, page: Page
) -> None:
    await settled_state(pulse)
    routes: list[WebSocketRoute] = []
    blocked = False

    async def through(ws: WebSocketRoute) -> None:
        if blocked:
            await ws.close()
            return
        ws.connect_to_server()
        routes.append(ws)

    await page.page.route_web_socket(re.compile(r"/ws$"), through)
    await page.open("#/main")
    rows = page.page.locator('[data-testid="guest-row"]')
    await expect(rows.first).to_be_visible()
    count = await rows.count()
    await expect(page.page.get_by_test_id("stale-banner")).to_have_count(0)

    blocked = True
    for ws in routes:
        await ws.close()
    banner = page.page.get_by_test_id("stale-banner")
    await expect(banner).to_contain_text(re.compile(r"stale since \d\d:\d\d:\d\d"))
    await expect(page.page.get_by_test_id("connection")).to_contain_text("Reconnecting")
    # The last data stays on screen, dimmed.
    await expect(rows).to_have_count(count)
    await expect(page.page.locator("main.panel.is-stale-data")).to_be_visible()

    blocked = False
    await banner.get_by_role("button", name="Retry now").click()
    await expect(banner).to_have_count(0)
    await expect(page.page.get_by_test_id("connection")).to_have_text("Connected")
    page.assert_clean(r"WebSocket")
