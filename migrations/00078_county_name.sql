-- +goose Up
-- issuer_name: the issuing body named on every 结业证书 and on its public verification
-- page (/verify/{code}), e.g. 「中共某某县委组织部」. Empty by default: a certificate then
-- names the bare 「县委组织部」 (app/settings Store.IssuerName, app/certificates
-- Deps.IssuerName). The admin sets it on /admin/settings; app/settings/input.go trims it
-- and refuses control characters, the CHECK keeps the length the page and the A4 print
-- were laid out for (app/certificates/print_test.go).
ALTER TABLE county_settings ADD COLUMN issuer_name text NOT NULL DEFAULT ''
    CONSTRAINT county_settings_issuer_name_length CHECK (char_length(issuer_name) <= 40);

-- +goose Down
ALTER TABLE county_settings DROP COLUMN issuer_name;
