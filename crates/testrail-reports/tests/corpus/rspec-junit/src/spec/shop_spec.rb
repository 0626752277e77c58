RSpec.describe 'Cart' do
  it 'C3201 login works' do
    expect(1 + 1).to eq(2)
  end

  it 'C3202: login with wrong password is rejected' do
    expect('denied').to eq('granted'), 'expected login to be granted for bad password'
  end

  it 'C3203 checkout raises' do
    raise ArgumentError, 'payment gateway timeout'
  end

  it 'C3204 coupon applies', skip: 'coupon service not deployed' do
  end

  it 'cart totals [C3205][C3206]' do
    expect(12 * 10).to eq(120)
  end

  it 'logout without case id' do
  end

  it 'C3207 wishlist sync'

  it 'C3208 known bug' do
    pending 'known bug JIRA-42'
    expect('bug').to eq('fixed')
  end

  it 'C3209 pending that passes' do
    pending 'was broken'
    expect(1).to eq(1)
  end

  [[1, 10], [3, 31]].each do |qty, price|
    it "C3210 price for qty #{qty}" do
      expect(qty * 10).to eq(price), "price mismatch for qty=#{qty}"
    end
  end

  context 'Profile C3211' do
    it 'C3212 special chars <&> "quoted"' do
      puts 'profile updated for user <a&b>'
      expect(true).to be(false), 'boom <&> "quoted"'
    end
  end

  it 'tagged only', C3213: true do
  end
end

RSpec.describe 'Orders' do
  before(:all) { raise 'db fixture could not connect' }

  it 'C3214 lists orders' do
  end
end
