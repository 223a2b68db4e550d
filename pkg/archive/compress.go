package archive

import (
	"bytes"
	"fmt"
	"io"
	"math/bits"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressor makes the variants of one entry at a time; each worker
// goroutine owns one (the zstd encoder is not shared).
type compressor struct {
	zenc *zstd.Encoder
	gz   *gzip.Writer
	buf  bytes.Buffer
}

func newCompressor() (*compressor, error) {
	z, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	gz, err := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip encoder: %w", err)
	}
	return &compressor{zenc: z, gz: gz}, nil
}

func (c *compressor) close() { c.zenc.Close() }

// brotliQuality trades time for size on large inputs; it depends only on
// the input length, so output stays deterministic.
func brotliQuality(n int) int {
	if n <= 1<<20 {
		return brotli.BestCompression
	}
	return 9
}

// brotliWindow is the smallest window (log2 bytes, 10..24) that holds the
// whole input: a larger one only costs memory and time.
func brotliWindow(n int) int {
	return min(max(bits.Len(uint(n)), 10), 24)
}

// encode returns data compressed with enc.
func (c *compressor) encode(enc Encoding, data []byte) ([]byte, error) {
	switch enc {
	case Zstd:
		return c.zenc.EncodeAll(data, make([]byte, 0, len(data)/2)), nil
	case Brotli:
		c.buf.Reset()
		w := brotli.NewWriterOptions(&c.buf, brotli.WriterOptions{Quality: brotliQuality(len(data)), LGWin: brotliWindow(len(data))})
		if _, err := w.Write(data); err != nil {
			return nil, fmt.Errorf("brotli: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("brotli: %w", err)
		}
	case Gzip:
		c.buf.Reset()
		w := c.gz
		w.Reset(&c.buf)
		if _, err := w.Write(data); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	default:
		return nil, fmt.Errorf("BUG: encode %v", enc)
	}
	return bytes.Clone(c.buf.Bytes()), nil
}

// decode decompresses a variant, refusing output larger than limit bytes
// and any byte after the one compressed stream.
func decode(enc Encoding, data []byte, limit int64) ([]byte, error) {
	var r io.Reader
	in := bytes.NewReader(data)
	switch enc {
	case Brotli:
		r = brotli.NewReader(in)
	case Zstd:
		d, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(max(2*limit, 1<<20))))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		r = d
	case Gzip:
		// in is an io.ByteReader, so the decoder reads no byte past its
		// stream: whatever in still holds follows the gzip member.
		g, err := gzip.NewReader(in)
		if err != nil {
			return nil, err
		}
		g.Multistream(false)
		r = &trailerCheck{r: g, in: in}
	default:
		return nil, fmt.Errorf("unknown encoding %d", enc)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
	}
	return out, nil
}

// trailerCheck turns the end of a gzip member into an error when bytes
// follow it: browsers decode concatenated members, so those bytes would be
// content Verify never compared.
type trailerCheck struct {
	r  io.Reader
	in *bytes.Reader
}

func (t *trailerCheck) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF && t.in.Len() > 0 {
		err = fmt.Errorf("%d bytes after the gzip stream", t.in.Len())
	}
	return n, err
}
