package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

var (
	titleWords = []string{
		"실시간 채팅 서버", "Go 동시성", "검색 엔진", "SQLite 인덱스", "PocketBase 확장",
		"WebSocket 프로토콜", "React 상태 관리", "Django Channels", "코딩 테스트", "서버 성능",
		"Rust ownership", "Docker compose", "데이터베이스 설계", "알고리즘 스터디", "Kubernetes 입문",
	}
	sentences = []string{
		"오늘은 %s에 대해 이야기해 봅시다.",
		"Let's talk about %s and how it scales.",
		"%s 관련해서 질문이 있습니다. 경험을 공유해 주세요!",
		"I benchmarked %s last week: here are the numbers.",
		"초보자를 위한 %s 정리 노트입니다.",
	}
	// rareWords appear in about one post in a thousand, for search benchmarks.
	rareWords = "양자 컴퓨팅 블록체인 zephyr"
	tagNames  = []string{"go", "python", "javascript", "채팅", "서버", "검색", "database", "websocket", "성능", "rust", "react", "스터디"}
)

// seedPosts adds posts (each with its room, by the post hook) until the
// database holds opts.Posts of them.
func seedPosts(app core.App, users []string, opts Options) (int, error) {
	if len(users) == 0 {
		return 0, nil
	}
	existing, err := app.CountRecords("posts")
	if err != nil {
		return 0, err
	}
	missing := opts.Posts - int(existing)
	if missing <= 0 {
		return 0, nil
	}
	categories, err := app.FindAllRecords("categories")
	if err != nil || len(categories) == 0 {
		return 0, fmt.Errorf("no categories (run the migrations first): %w", err)
	}
	tagIds, err := ensureTags(app)
	if err != nil {
		return 0, err
	}
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(existing), 42))
	bar := newBar(opts, missing, "posts")
	err = inBatches(app, missing, bar, func(tx core.App, i int) error {
		topic := titleWords[rng.IntN(len(titleWords))]
		post := core.NewRecord(posts)
		post.Set("title", fmt.Sprintf("%s #%d", topic, int(existing)+i+1))
		content := strings.Repeat(fmt.Sprintf(sentences[rng.IntN(len(sentences))], topic)+" ", 1+rng.IntN(3))
		if (int(existing)+i)%1000 == 999 {
			content += rareWords
		}
		post.Set("content", content)
		post.Set("category", categories[rng.IntN(len(categories))].Id)
		post.Set("writer", users[rng.IntN(len(users))])
		post.Set("tags", []string{tagIds[rng.IntN(len(tagIds))], tagIds[rng.IntN(len(tagIds))]})
		post.Set("hit", rng.IntN(500))
		return tx.Save(post)
	})
	return missing, err
}

func ensureTags(app core.App) ([]string, error) {
	collection, err := app.FindCollectionByNameOrId("tags")
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(tagNames))
	for _, name := range tagNames {
		tag, _ := app.FindFirstRecordByData(collection, "name", name)
		if tag == nil {
			tag = core.NewRecord(collection)
			tag.Set("name", name)
			if err := app.Save(tag); err != nil {
				return nil, err
			}
		}
		ids = append(ids, tag.Id)
	}
	return ids, nil
}
