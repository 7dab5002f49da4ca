"""WeChat's documented limits, defined once for the client, the sync code and the editors' messages.

Sources: the Official Account API reference (developers.weixin.qq.com/doc/service/api/...):
draftbox/draftmanage/api_draft_add, material/permanent/api_uploadimage and api_addmaterial,
base/api_getstableaccesstoken, public/api_freepublish_get and _batchget, and the mass-send guide.
"""

# --- Draft articles (draft/add, draft/update) -------------------------------------
# Counted in characters (字): a Chinese character and a Latin letter count the same.
TITLE_MAX_CHARS = 32
AUTHOR_MAX_CHARS = 16
DIGEST_MAX_CHARS = 128
# The body must be *shorter* than both of these (characters, and bytes as UTF-8).
CONTENT_CHAR_LIMIT = 20_000
CONTENT_BYTE_LIMIT = 1024 * 1024
CONTENT_SOURCE_URL_MAX_BYTES = 1024

# --- Images -------------------------------------------------------------------------
# media/uploadimg: images inside an article body; WeChat answers with a URL.
BODY_IMAGE_FORMATS = frozenset({"jpeg", "png"})
BODY_IMAGE_BYTE_LIMIT = 1024 * 1024  # must be smaller than this
# material/add_material?type=image: permanent images (the cover's thumb_media_id).
PERMANENT_IMAGE_FORMATS = frozenset({"bmp", "png", "jpeg", "gif"})
PERMANENT_IMAGE_MAX_BYTES = 10 * 1024 * 1024

# --- Access token (cgi-bin/stable_token) ---------------------------------------------
# In normal mode WeChat issues the next token this long before the current one expires,
# so a token kept for expires_in minus this margin is never the outgoing one.
TOKEN_REFRESH_MARGIN_SECONDS = 300
# Force-refresh mode invalidates every copy of the previous token: 20 a day, 30 s apart.
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_MIN_INTERVAL_SECONDS = 30

# --- Publishing and mass send ------------------------------------------------------------
# freepublish/get is the polling fallback of the PUBLISHJOBFINISH event: 100 calls a day.
PUBLISH_STATUS_QUERIES_PER_DAY = 100
# freepublish/batchget returns 1 to 20 published items per call.
PUBLISHED_BATCH_MAX = 20
# A verified subscription account may mass-send once a day; only on an editor's request.
MASS_SENDS_PER_DAY = 1
# The day of the daily quotas above. WeChat says "per day" without naming a timezone; we
# assume its own, Beijing time, for the counts we keep ourselves (force refreshes).
QUOTA_TIMEZONE = "Asia/Shanghai"
