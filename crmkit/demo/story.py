"""The facts the demo's data is built around, shared by the generator and what the demo shows."""

from __future__ import annotations

import datetime as dt

#: The demo's "today": its reports are computed as of this moment, so they never age.
AS_OF = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
#: ООО «Ромашка»: in 1C with this ИНН, in SAP as "Romashka LLC" with the same one.
ROMASHKA_INN = "7707083893"
#: Ромашка's office line, as 1C's users type it; its calls reach the phone system.
ROMASHKA_PHONE = "8 (495) 123-45-67"
#: The web-shop buyer who orders for Ромашка as a guest.
ROMASHKA_BUYER = "ivan@romashka.ru"
#: Юлий Воробьёв: a private buyer in 1C and a registered one in the shop.
VOROBYOV_PHONE = "+7 916 111-22-33"
#: Ромашка's latest guest order in the shop, which 1C also has (its НомерПоДаннымКлиента).
SHOP_ORDER = "5243"
