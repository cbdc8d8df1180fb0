package chat

import "github.com/pocketbase/pocketbase/core"

// Stub until the real routes land (delete this file then).

func bindDMRoutes(app core.App) {}
