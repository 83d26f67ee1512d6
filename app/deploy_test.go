package main

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// There is no Docker engine in CI, so the deployment files are checked for what matters:
// the app waits for a healthy, pinned PostgreSQL and connects to it with its credentials.
func TestComposeWiresAppToDatabase(t *testing.T) {
	raw, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Ports       []string          `yaml:"ports"`
			Healthcheck *struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("compose.yaml does not parse: %v", err)
	}
	db, ok := doc.Services["db"]
	if !ok {
		t.Fatal("no db service")
	}
	if !regexp.MustCompile(`^postgres:\d+`).MatchString(db.Image) {
		t.Errorf("db image %q must pin a PostgreSQL major version", db.Image)
	}
	if db.Healthcheck == nil || !strings.Contains(strings.Join(db.Healthcheck.Test, " "), "pg_isready") {
		t.Error("db needs a pg_isready health check")
	}
	if len(db.Volumes) == 0 || !strings.HasSuffix(strings.SplitN(db.Volumes[0], ":", 2)[1], "/var/lib/postgresql/data") {
		t.Errorf("db data must live on a volume, got %v", db.Volumes)
	}
	if name := strings.SplitN(db.Volumes[0], ":", 2)[0]; !hasKey(doc.Volumes, name) {
		t.Errorf("volume %s not declared", name)
	}

	app, ok := doc.Services["app"]
	if !ok {
		t.Fatal("no app service")
	}
	if app.Build == nil {
		t.Error("app must be built from the Dockerfile")
	}
	if app.DependsOn["db"].Condition != "service_healthy" {
		t.Error("app must start only when db is healthy")
	}
	if !strings.Contains(strings.Join(app.Command, " "), "-migrate") {
		t.Error("app must apply migrations on start")
	}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{(\w+):-([^}]*)\}`).ReplaceAllString(s, "$2")
	}
	u, err := url.Parse(expand(app.Environment["DATABASE_URL"]))
	if err != nil {
		t.Fatalf("DATABASE_URL: %v", err)
	}
	pw, _ := u.User.Password()
	if u.Hostname() != "db" || u.User.Username() != db.Environment["POSTGRES_USER"] ||
		pw != expand(db.Environment["POSTGRES_PASSWORD"]) || strings.TrimPrefix(u.Path, "/") != db.Environment["POSTGRES_DB"] {
		t.Errorf("DATABASE_URL %q does not match the db service", u.Redacted())
	}
	if len(app.Ports) == 0 || !strings.HasSuffix(app.Ports[0], ":8080") {
		t.Errorf("app must publish port 8080, got %v", app.Ports)
	}
}

func TestDockerfileIsMultiStageStaticNonRoot(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	if len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)) < 2 {
		t.Error("Dockerfile must be multi-stage")
	}
	for _, want := range []string{"CGO_ENABLED=0", "USER nonroot", "./app", "COPY --from=build"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
