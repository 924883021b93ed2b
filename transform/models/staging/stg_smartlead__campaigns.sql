-- One row per campaign the account still has. A campaign deleted in Smartlead is gone from
-- here: no longer listed (a loader that replaces or drops older table versions), or marked
-- _sdc_deleted_at (a loader that soft-deletes on the tap's ACTIVATE_VERSION).
with campaigns as (
{{ smartlead_staging('campaigns', keys=['campaign_id'], columns=[
    ['id', 'id', 'campaign_id'],
    ['name', 'text', 'campaign_name'],
    ['status', 'text'],
    ['client_id', 'id'],
    ['parent_campaign_id', 'id'],
    ['user_id', 'id'],
    ['created_at', 'timestamp'],
    ['updated_at', 'timestamp'],
    ['track_settings', 'json'],
    ['track_settings', 'text', 'track_settings_text'],
    ['scheduler_cron_value', 'json'],
    ['min_time_btwn_emails', 'count'],
    ['max_leads_per_day', 'count'],
    ['stop_lead_settings', 'text'],
    ['unsubscribe_text', 'text'],
    ['enable_ai_esp_matching', 'boolean'],
    ['send_as_plain_text', 'boolean'],
    ['follow_up_percentage', 'number'],
    ['extra_fields', 'json'],
]) }}
)

select
  campaign_id,
  campaign_name,
  status,
  client_id,
  parent_campaign_id,
  user_id,
  created_at,
  updated_at,
  track_settings,
  -- What the campaign does not track (the older API reference spells DONT_TRACK_EMAIL_OPEN, the live API
  -- DONT_EMAIL_OPEN): its opens or clicks are not recorded, so their counts and rates are
  -- NULL in the marts, not 0.
  not (coalesce(track_settings_text, '') like '%DONT_TRACK_EMAIL_OPEN%'
       or coalesce(track_settings_text, '') like '%DONT_EMAIL_OPEN%') as tracks_opens,
  not (coalesce(track_settings_text, '') like '%DONT_TRACK_LINK_CLICK%'
       or coalesce(track_settings_text, '') like '%DONT_LINK_CLICK%') as tracks_clicks,
  scheduler_cron_value,
  -- The time zone the campaign sends in (its schedule's tz); the marts report days in the
  -- var smartlead_reporting_timezone.
  {{ smartlead_json_text('scheduler_cron_value', 'tz') }} as campaign_timezone,
  min_time_btwn_emails,
  max_leads_per_day,
  stop_lead_settings,
  unsubscribe_text,
  enable_ai_esp_matching,
  send_as_plain_text,
  -- The share of the daily sending given to follow-ups, a fraction (the API's percent / 100).
  follow_up_percentage / 100 as follow_up_share,
  extra_fields,
  extracted_at,
  source_relation
from campaigns
