-- Taiwan and Hong Kong get their own Traditional Chinese (their words differ); what was stored
-- as zh_Hant becomes the market's: Hong Kong's for staff in HK or Macau, Taiwan's otherwise
-- (a group by its owner's market). Telegram's own language_code is kept too, so pushes can
-- speak what replies speak to someone who never chose a language.
ALTER TABLE staff ADD COLUMN telegram_language TEXT;

UPDATE staff SET language = CASE WHEN region IN ('HK', 'MO') THEN 'zh_Hant_HK'
                                 ELSE 'zh_Hant_TW' END
 WHERE language = 'zh_Hant';

UPDATE groups SET language = CASE
        WHEN (SELECT region FROM staff WHERE staff.id = groups.owner_id) IN ('HK', 'MO')
        THEN 'zh_Hant_HK' ELSE 'zh_Hant_TW' END
 WHERE language = 'zh_Hant';
