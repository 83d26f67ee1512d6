package imports

// The xlsx reader streams the worksheet with archive/zip and encoding/xml and keeps only
// what a template can use: cells up to a column bound, rows up to a row bound, text up to
// a byte budget. Nothing is sized from what the file declares (zip header sizes,
// <dimension>); every decompressed stream is cut at a limit, every XML token and nesting
// level is bounded, so the memory a file costs follows the cells it really holds.
// excelize stays in use for writing workbooks.

// Limits bound what reading one upload may cost. NewLimits gives the values every
// importer uses; a caller changes a field only with a reason.
type Limits struct {
	MaxFileBytes int64 // the upload itself
	MaxRows      int   // data rows below the header; content below row MaxRows+HeaderRows is refused
	MaxCols      int   // columns kept; content further right is refused, empty cells there are ignored

	MaxSheetBytes         int64 // uncompressed bytes read from the worksheet
	MaxSharedStringsBytes int64 // uncompressed bytes read from the shared strings table
	MaxSharedStrings      int   // entries in the shared strings table
	MaxPartBytes          int64 // uncompressed bytes read from any other XML part (workbook, relationships, styles)
	MaxTotalBytes         int64 // sum of the uncompressed sizes the archive declares for all its entries
	MaxDirectoryBytes     int64 // zip central directory read when opening the archive (bounds the entry count)

	MaxSheets     int   // sheets listed in the workbook
	MaxDepth      int   // XML nesting depth
	MaxTokenBytes int   // one XML tag plus the text after it, or one comment/CDATA section
	MaxTextBytes  int64 // text of all kept cells together
}

// HeaderRows is the room above the data rows: the header plus a title or blank row or
// two. Content in a row numbered beyond MaxRows+HeaderRows is refused as too many rows.
const HeaderRows = 3

// ExtraCols is the room to the right of a template's columns for columns a user or
// another system adds (序号, 备注, …); importers ignore them, the reader keeps them.
const ExtraCols = 32

// MaxCellBytes bounds the text of one cell: Excel holds at most 32,767 characters.
const MaxCellBytes = 32767 * 4

// NewLimits returns the limits of an importer whose template has templateCols columns
// and which takes at most maxRows data rows in one file.
func NewLimits(templateCols, maxRows int) Limits {
	return Limits{
		MaxFileBytes: MaxFileBytes,
		MaxRows:      maxRows,
		MaxCols:      templateCols + ExtraCols,

		MaxSheetBytes:         32 << 20,
		MaxSharedStringsBytes: 16 << 20,
		MaxSharedStrings:      1 << 20,
		MaxPartBytes:          4 << 20,
		MaxTotalBytes:         128 << 20,
		MaxDirectoryBytes:     1 << 20,

		MaxSheets:     200,
		MaxDepth:      64,
		MaxTokenBytes: 1 << 20,
		MaxTextBytes:  24 << 20,
	}
}
