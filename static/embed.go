// Package static holds the embedded CSS, JavaScript and images, served under /static/.
package static

import "embed"

// FS holds every asset. No CDN: pages must load on a weak rural network.
//
//go:embed css js img
var FS embed.FS
