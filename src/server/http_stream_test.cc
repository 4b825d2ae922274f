#include "server/http_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/events.h"

namespace zhisuan::http {
namespace {

TEST(Stream, QueuesUntilTakenAndEndsWhenTheClientFallsBehind) {
  Stream s(10);
  int woken = 0;
  s.Attach([&] { ++woken; });
  EXPECT_TRUE(s.Send("abcd"));
  EXPECT_TRUE(s.Send("efgh"));
  EXPECT_EQ(woken, 2);
  bool ended = true;
  EXPECT_EQ(s.Take(ended), "abcdefgh");
  EXPECT_FALSE(ended);
  EXPECT_EQ(s.Take(ended), "");
  // 10 bytes may wait; the 11th ends the stream, drops what waited, and says so to the producer.
  EXPECT_TRUE(s.Send("0123456789"));
  EXPECT_FALSE(s.Send("x"));
  EXPECT_FALSE(s.open());
  EXPECT_EQ(s.Take(ended), "");
  EXPECT_TRUE(ended);
  EXPECT_FALSE(s.Send("late"));
}

TEST(Stream, ClosedByTheProducerOrGoneWithTheClient) {
  Stream closed;
  EXPECT_TRUE(closed.Send("last words"));
  closed.Close();
  bool ended = false;
  EXPECT_EQ(closed.Take(ended), "last words");  // what was queued is still sent
  EXPECT_TRUE(ended);
  Stream gone;
  int woken = 0;
  gone.Attach([&] { ++woken; });
  gone.Gone();
  EXPECT_FALSE(gone.Send("nobody"));
  EXPECT_EQ(woken, 0);  // the loop is not woken for a connection it has closed
}

TEST(LiveEvents, SendsTheStateWhenItChangesAndBoundsItsClients) {
  views::LiveEvents events(0.01, 2);
  std::atomic<int> state{0};
  events.Start([&] { return "{\"busy\":" + std::to_string(state.load()) + "}"; });
  auto a = events.Subscribe("{\"busy\":0}");
  auto b = events.Subscribe("{\"busy\":0}");
  ASSERT_TRUE(a && b);
  auto c = events.Subscribe("{\"busy\":0}");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  bool ended = false;
  const std::string first = (*a)->Take(ended);
  EXPECT_EQ(first.rfind("retry: 3000\n\nevent: live\nid: ", 0), 0u) << first;
  EXPECT_NE(first.find("data: {\"busy\":0}\n\n"), std::string::npos) << first;
  state = 8;
  std::string seen;
  for (int i = 0; i < 500 && seen.find("{\"busy\":8}") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    seen += (*a)->Take(ended);
  }
  EXPECT_NE(seen.find("\ndata: {\"busy\":8}\n\n"), std::string::npos) << seen;
  // A client gone frees its place.
  (*b)->Gone();
  EXPECT_TRUE(events.Subscribe("{}"));
  events.Stop();
  (*a)->Take(ended);
  EXPECT_TRUE(ended);  // stopping ends every stream
  EXPECT_FALSE(events.Subscribe("{}"));
}

TEST(LiveEvents, OneAddressCannotTakeEveryPlace) {
  views::LiveEvents events(10, 5, 2);
  auto a = events.Subscribe("{}", "10.0.0.1");
  auto b = events.Subscribe("{}", "10.0.0.1");
  ASSERT_TRUE(a && b);
  auto c = events.Subscribe("{}", "10.0.0.1");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(c.error().message, "events: 2 streams from 10.0.0.1 already (at most 2 from one address)");
  EXPECT_TRUE(events.Subscribe("{}", "10.0.0.2"));  // another address still has room
  (*a)->Gone();
  EXPECT_TRUE(events.Subscribe("{}", "10.0.0.1"));  // a stream gone frees its address's place
  events.Stop();
}

}  // namespace
}  // namespace zhisuan::http
